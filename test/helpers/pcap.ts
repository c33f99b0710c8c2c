/** The 24-byte global header of a little-endian µs classic pcap (2.4) for hand-built test files. */
export function pcapHeaderLE(linkType = 1, snapLen = 262144): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(snapLen, 16);
  head.writeUInt32LE(linkType, 20);
  return head;
}
