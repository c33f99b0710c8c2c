/**
 * Test helper: every frame of a capture, read with the capture stage's
 * readCapture, copied out of the reader's buffer (frames are views valid only
 * during the sink call).
 */
import { readCapture } from '../../src/capture/index.js';

export interface TestFrame {
  number: number;
  linkType: number;
  data: Buffer;
}

export async function readFrames(path: string): Promise<TestFrame[]> {
  const frames: TestFrame[] = [];
  await readCapture(path, (f) => {
    frames.push({ number: f.number, linkType: f.linkType, data: Buffer.from(f.data) });
  });
  return frames;
}
