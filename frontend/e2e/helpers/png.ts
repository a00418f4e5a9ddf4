import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An RGB PNG whose pixel (x, y) is `pixelAt(x, y)` ([r, g, b], 0–255). Encoded here to avoid binary fixtures. */
export function encodePng(
  width: number,
  height: number,
  pixelAt: (x: number, y: number) => [number, number, number],
): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = pixelAt(x, y);
      const offset = row + 1 + x * 3;
      raw[offset] = Math.round(r);
      raw[offset + 1] = Math.round(g);
      raw[offset + 2] = Math.round(b);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  header[10] = 0;
  header[11] = 0;
  header[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A small RGB PNG with a diagonal gradient in the given hue and a grid of circles, so that camera motion is
 * visible in the rendered video.
 */
export function makeTestPng(width: number, height: number, hue: [number, number, number]): Buffer {
  const cell = Math.max(8, Math.round(Math.min(width, height) / 6));
  return encodePng(width, height, (x, y) => {
    const t = (x / width + y / height) / 2;
    const cx = (x % cell) - cell / 2;
    const cy = (y % cell) - cell / 2;
    const inCircle = cx * cx + cy * cy < (cell * 0.3) ** 2;
    const shade = inCircle ? 1 - t * 0.5 : 0.25 + t * 0.75;
    return [hue[0] * shade, hue[1] * shade, hue[2] * shade];
  });
}
