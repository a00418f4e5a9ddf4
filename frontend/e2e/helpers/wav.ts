/** Mono 16-bit PCM WAV files made in the tests, to avoid binary fixtures. */

/** A WAV of `seconds` whose sample `i` is `sampleAt(i / sampleRate)` (−1…1, clipped). */
function encodeWav(seconds: number, sampleRate: number, sampleAt: (t: number) => number): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    const value = Math.max(-1, Math.min(1, sampleAt(i / sampleRate)));
    data.writeInt16LE(Math.round(value * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A quiet sine at `toneHz` (Hz), or silence when `toneHz` is 0. */
export function makeWav(seconds: number, { sampleRate = 16000, toneHz = 440 } = {}): Buffer {
  return encodeWav(seconds, sampleRate, (t) => (toneHz > 0 ? 0.25 * Math.sin(2 * Math.PI * toneHz * t) : 0));
}

/** A sine tone with a slow (3 Hz) tremolo, so it sounds like something. */
export function makeToneWav(seconds: number, frequency: number, amplitude = 0.3, sampleRate = 22050): Buffer {
  return encodeWav(seconds, sampleRate, (t) => {
    const tremolo = 0.75 + 0.25 * Math.sin(2 * Math.PI * 3 * t);
    return amplitude * tremolo * Math.sin(2 * Math.PI * frequency * t);
  });
}
