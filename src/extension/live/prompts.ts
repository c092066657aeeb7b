/**
 * The questions live sources ask the user while resolving credentials. One object, created by
 * the composition root and handed to the live features, so the in-host tests can answer them
 * through the extension's API instead of driving the UI.
 */
import * as vscode from 'vscode';

export interface LivePrompts {
  /** The current code of the MFA device `serial` for a role profile; undefined when dismissed. */
  mfaCode(serial: string, profile: string): Promise<string | undefined>;
}

/** Asks in an input box, as the AWS Toolkit does; the code is not echoed or kept. */
export function inputBoxPrompts(): LivePrompts {
  return {
    mfaCode: async (serial, profile) =>
      vscode.window.showInputBox({
        title: `MFA code for the AWS profile '${profile}'`,
        prompt: `Enter the current code of ${serial}`,
        placeHolder: '6 digits',
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => (/^\s*\d{6}\s*$/.test(value) ? undefined : 'The 6 digits the MFA device shows'),
      }),
  };
}
