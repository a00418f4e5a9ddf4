/**
 * A mono 16-bit PCM WAV of `seconds`: a quiet sine at `toneHz`, or silence when `toneHz` is 0. Encoded here to
 * avoid binary fixtures.
 */
export function makeWav(seconds: number, { sampleRate = 16000, toneHz = 440 } = {}): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  if (toneHz > 0) {
    for (let i = 0; i < samples; i += 1) {
      data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * toneHz * i) / sampleRate)), i * 2);
    }
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
