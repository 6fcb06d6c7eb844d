// Photos are shrunk on the phone before they are kept: long side at most 2048 px, JPEG.

const LONG_SIDE = 2048;
const MAX_ORIGINAL = 25 * 1024 * 1024; // kept as is only when the browser cannot decode it (HEIC outside Safari)

export async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    if (file.size > MAX_ORIGINAL) throw new Error("too_large");
    return file; // the server decodes what the browser cannot
  }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob) throw new Error("encode_failed");
  return blob;
}
