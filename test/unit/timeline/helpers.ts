/** Shared by the timeline session tests: a port over an index, and a lane's event count. */
import { EventIndex } from '../../../src/core/index/event-index';
import { TimelinePort } from '../../../src/core/timeline/session';
import { HostToWebview, LaneView, forEachCell } from '../../../src/shared/timeline-protocol';

/** A port with no filter, no host actions, noise collapsing as `collapse()` says, posting to `post`. */
export function testPort(index: EventIndex, collapse: () => boolean, post: (message: HostToWebview) => void = () => undefined): TimelinePort {
  return {
    index: () => index,
    expression: () => '',
    filterInfo: () => ({ expression: '' }),
    setExpression: () => undefined,
    setTimeRange: () => undefined,
    openEvent: async () => undefined,
    collapseNoise: collapse,
    post,
  };
}

/** Every event a lane's cells count (reads, writes, errors; findings are counted among those). */
export function cellSum(lane: LaneView): number {
  let sum = 0;
  forEachCell(lane.cells, (_x, r, w, e) => (sum += r + w + e));
  return sum;
}
