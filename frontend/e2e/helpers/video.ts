/** Reading a rendered MP4 in the tests: its picture size from the MP4 boxes, and frames and audio decoded with the
 * ffmpeg the backend ships (imageio-ffmpeg; there is no ffprobe). */
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const python = path.join(repoRoot, ".venv", "bin", "python");

/** Boxes of `buffer[start, end)` as [type, payload start, box end] (ISO/IEC 14496-12 §4.2: 32-bit size, or 1 then a
 * 64-bit size, or 0 for "to the end"). */
function boxes(buffer: Buffer, start: number, end: number): Array<[string, number, number]> {
  const found: Array<[string, number, number]> = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = buffer.readUInt32BE(offset);
    const type = buffer.toString("latin1", offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buffer.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) break;
    found.push([type, offset + header, offset + size]);
    offset += size;
  }
  return found;
}

/**
 * The picture size of an MP4's video track, in pixels, from its track header (`moov/trak/tkhd`, whose last 8 bytes
 * are width and height in 16.16 fixed point). Throws when the file has no track with a picture.
 */
export function mp4VideoSize(buffer: Buffer): { width: number; height: number } {
  for (const [type, start, end] of boxes(buffer, 0, buffer.length)) {
    if (type !== "moov") continue;
    for (const [trakType, trakStart, trakEnd] of boxes(buffer, start, end)) {
      if (trakType !== "trak") continue;
      const tkhd = boxes(buffer, trakStart, trakEnd).find(([t]) => t === "tkhd");
      if (!tkhd) continue;
      const width = buffer.readUInt32BE(tkhd[2] - 8) / 65536;
      const height = buffer.readUInt32BE(tkhd[2] - 4) / 65536;
      if (width > 0 && height > 0) return { width, height };
    }
  }
  throw new Error("The MP4 has no video track header (moov/trak/tkhd with a size).");
}

let ffmpegPath: string | null = null;

/** The ffmpeg executable the backend uses (`imageio_ffmpeg.get_ffmpeg_exe()`). */
export function ffmpegExe(): string {
  ffmpegPath ??= execFileSync(
    python,
    ["-c", "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"],
    {
      encoding: "utf8",
    },
  ).trim();
  return ffmpegPath;
}

/** Runs ffmpeg in its own process group (killed with it after 60 s) and returns what it wrote to stdout; rejects
 * with its log on failure. */
function ffmpeg(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegExe(), ["-hide_banner", "-loglevel", "error", ...args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg ${args.join(" ")} failed (${code}): ${Buffer.concat(err).toString()}`));
    });
  });
}

/**
 * The mean colour [r, g, b] (0–255) of a centred box of the frame shown at `seconds`, the box being `fraction` of
 * the frame's width and height (1 = the whole frame). Seeks exactly (ffmpeg decodes from the previous key frame).
 */
export async function meanColour(
  file: string,
  seconds: number,
  fraction = 1,
): Promise<[number, number, number]> {
  const crop = fraction < 1 ? `crop=iw*${fraction}:ih*${fraction},` : "";
  const out = await ffmpeg([
    "-ss",
    seconds.toFixed(3),
    "-i",
    file,
    "-frames:v",
    "1",
    "-vf",
    `${crop}scale=1:1:flags=area`,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
  ]);
  if (out.length < 3) throw new Error(`No frame at ${seconds} s in ${file}.`);
  return [out[0]!, out[1]!, out[2]!];
}

/** The audio of `file` decoded to mono 8 kHz: its length in seconds and its RMS level (0–1) per whole second. */
export async function audioSummary(file: string): Promise<{ seconds: number; rmsPerSecond: number[] }> {
  const rate = 8000;
  const pcm = await ffmpeg([
    "-i",
    file,
    "-map",
    "0:a:0",
    "-ac",
    "1",
    "-ar",
    String(rate),
    "-f",
    "s16le",
    "-",
  ]);
  const samples = pcm.length / 2;
  const rmsPerSecond: number[] = [];
  for (let start = 0; start + rate <= samples; start += rate) {
    let sum = 0;
    for (let i = start; i < start + rate; i += 1) sum += (pcm.readInt16LE(i * 2) / 32768) ** 2;
    rmsPerSecond.push(Math.sqrt(sum / rate));
  }
  return { seconds: samples / rate, rmsPerSecond };
}
