import { formatFileSize } from "@/lib/utils";

export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
export const ACCEPTED_IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
export const MAX_AUDIO_BYTES = 100 * 1024 * 1024;

/** A reason to refuse the file before uploading it, or null. The server checks again. */
export function checkImageFile(file: File): string | null {
  if (!file.type.startsWith("image/")) return `“${file.name}” is not an image. Use a PNG, JPEG or WebP file.`;
  if (file.size > MAX_IMAGE_BYTES) {
    return `The file is ${formatFileSize(file.size)}; the limit is ${formatFileSize(MAX_IMAGE_BYTES).replace(".0", "")}.`;
  }
  return null;
}

export function checkAudioFile(file: File): string | null {
  const looksLikeAudio =
    file.type.startsWith("audio/") || /\.(mp3|wav|m4a|aac|ogg|oga|flac|webm)$/i.test(file.name);
  if (!looksLikeAudio) return `“${file.name}” is not an audio file. Use MP3, WAV, M4A, OGG or FLAC.`;
  if (file.size > MAX_AUDIO_BYTES) {
    return `The file is ${formatFileSize(file.size)}; the limit is ${formatFileSize(MAX_AUDIO_BYTES).replace(".0", "")}.`;
  }
  return null;
}
