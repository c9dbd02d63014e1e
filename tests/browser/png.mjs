// Compares two screenshots by their pixels. Chromium draws the same page with an antialiased edge
// a shade apart from one run to the next (a rounded corner's pixel off by one in a channel), so
// byte equality would call every regeneration a change: two pictures are the same when they have
// the same size and no channel of any pixel differs by more than `tolerance`.
import { inflateSync } from 'node:zlib';

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 }; // PNG colour type -> channels (8-bit, no palette)

/** The pixels of an 8-bit, non-interlaced PNG (what Chromium writes): {width, height, channels, data}. */
export function decodePng(buffer) {
  if (buffer.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let header = null;
  const compressed = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const chunk = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: chunk.readUInt32BE(0),
        height: chunk.readUInt32BE(4),
        depth: chunk[8],
        channels: CHANNELS[chunk[9]],
        interlaced: chunk[12] !== 0,
      };
    } else if (type === 'IDAT') compressed.push(chunk);
    offset += 12 + length;
  }
  if (!header || header.depth !== 8 || !header.channels || header.interlaced) {
    throw new Error('only 8-bit, non-interlaced PNGs without a palette are read');
  }
  const { width, height, channels } = header;
  const raw = inflateSync(Buffer.concat(compressed));
  const stride = width * channels;
  const data = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x += 1) {
      const left = x >= channels ? data[row + x - channels] : 0;
      const up = y > 0 ? data[row - stride + x] : 0;
      const upLeft = x >= channels && y > 0 ? data[row - stride + x - channels] : 0;
      let value = line[x];
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      data[row + x] = value & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** Whether two PNGs show the same picture (see the top of this file). */
export function samePicture(a, b, tolerance = 4) {
  if (a.equals(b)) return true;
  const x = decodePng(a);
  const y = decodePng(b);
  if (x.width !== y.width || x.height !== y.height || x.channels !== y.channels) return false;
  for (let i = 0; i < x.data.length; i += 1) {
    if (Math.abs(x.data[i] - y.data[i]) > tolerance) return false;
  }
  return true;
}
