import * as assert from 'node:assert/strict';
import { isAbort } from '../../../src/core/abort';

describe('isAbort (the one cancellation test for core and extension)', () => {
  it('is true once the signal has fired, whatever the error', () => {
    const controller = new AbortController();
    assert.equal(isAbort(new Error('socket hang up'), controller.signal), false);
    controller.abort();
    assert.equal(isAbort(new Error('socket hang up'), controller.signal), true);
  });

  it('recognises abort and cancel errors by name, including non-Error values', () => {
    assert.equal(isAbort(new DOMException('aborted', 'AbortError')), true);
    assert.equal(isAbort(Object.assign(new Error('x'), { name: 'AbortError' })), true);
    assert.equal(isAbort({ name: 'CanceledError', message: 'canceled' }), true);
    assert.equal(isAbort({ name: 'ThrottlingException' }), false);
    assert.equal(isAbort(new Error('AbortError')), false);
    assert.equal(isAbort('AbortError'), false);
    assert.equal(isAbort(undefined), false);
  });
});
