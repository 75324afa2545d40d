/**
 * Leading comment regions judged once and then recognised by their bytes. A repository that has
 * not adopted SPDX tags repeats the same few blocks in thousands of files (the LLVM notice, an
 * Apache notice under each year's copyright line); the general scan reads each of them line by
 * line, so files that start with a region already judged take its verdict instead.
 *
 * A region is remembered only when its verdict depends on its bytes alone: no prolog, no SPDX
 * tag, a whole line of code right after it. A file takes the verdict when it starts with exactly
 * those bytes, the next line is a whole line of code (so the general scan's walk would stop at
 * the same line), and no SPDX tag name appears below (which the general scan reports as tags not
 * at the top). Tests compare both ways on perturbed files. Pure.
 */
import type { Inspection } from './check.js';
import type { FileType } from './filetypes.js';
import { type HeaderScan, isCodeLine, type Line, mayMentionTags } from './header.js';

/** Bytes of a file's start that index the regions (a region is at least this long). */
const KEY_BYTES = 32;
/** Regions longer than this are not remembered (a bounded compare per file). */
const MAX_REGION_BYTES = 2048;
/** Regions remembered per run, at most. */
const MAX_REGIONS = 256;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

interface Region {
  bytes: Buffer;
  inspection: Inspection;
}

export class KnownRegions {
  private readonly byType = new Map<FileType, Map<string, Region[]>>();
  private count = 0;

  /** The verdict of a remembered region this file starts with, or undefined. */
  inspect(bytes: Buffer, complete: boolean, fileType: FileType): Inspection | undefined {
    const byKey = this.byType.get(fileType);
    if (byKey === undefined || bytes.length <= KEY_BYTES) return undefined;
    const regions = byKey.get(bytes.toString('latin1', 0, KEY_BYTES));
    if (regions === undefined) return undefined;
    for (let index = 0; index < regions.length; index++) {
      const region = regions[index] as Region;
      const length = region.bytes.length;
      if (bytes.length <= length || region.bytes.compare(bytes, 0, length) !== 0) continue;
      let end = bytes.indexOf(NEWLINE, length);
      if (end === -1) {
        // A last line cut at the bytes read is not a whole line.
        if (!complete) continue;
        end = bytes.length;
      }
      if (end > length && bytes[end - 1] === CARRIAGE_RETURN && end < bytes.length) end--;
      if (!isCodeLine(bytes.toString('utf8', length, end), fileType.style)) continue;
      if (mayMentionTags(bytes, length)) continue;
      return region.inspection;
    }
    return undefined;
  }

  /** Remember a file's verdict from the general scan when it depends on its region's bytes alone. */
  remember(bytes: Buffer, scan: HeaderScan, fileType: FileType, inspection: Inspection): void {
    if (this.count >= MAX_REGIONS || fileType.style.id === 'rst') return;
    if (!scan.endsAtCode || scan.prolog.lines > 0 || scan.tags.length > 0 || scan.strayTagLines.length > 0) return;
    if (scan.comments.length === 0) return;
    const length = (scan.split.line(scan.regionEnd) as Line).start;
    if (length < KEY_BYTES || length > MAX_REGION_BYTES) return;
    let byKey = this.byType.get(fileType);
    if (byKey === undefined) {
      byKey = new Map();
      this.byType.set(fileType, byKey);
    }
    const key = bytes.toString('latin1', 0, KEY_BYTES);
    let regions = byKey.get(key);
    if (regions === undefined) {
      regions = [];
      byKey.set(key, regions);
    }
    // A copy: `bytes` is the reused read buffer.
    regions.push({ bytes: Buffer.from(bytes.subarray(0, length)), inspection: Object.freeze(inspection) });
    this.count++;
  }
}
