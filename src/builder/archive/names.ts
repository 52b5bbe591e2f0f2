/**
 * Entry names as bytes: an image path must be exactly the bytes the archive holds, and tczbuild
 * writes UTF-8. A name that is not valid UTF-8 is refused with its bytes shown (\xNN), never
 * rewritten to U+FFFD in the image and the .list. Pure.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type DecodedName = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly shown: string };

/** Printable ASCII as is, every other byte as \xNN. */
export function showBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

export function decodeNameBytes(bytes: Uint8Array): DecodedName {
  try {
    return { ok: true, name: strictUtf8.decode(bytes) };
  } catch {
    return { ok: false, shown: showBytes(bytes) };
  }
}

/**
 * A tar header field as tar-stream gives it: ustar and GNU long names are read as latin1 (one
 * char per byte, so the bytes come back exactly); pax records are already UTF-8-decoded, where
 * an invalid sequence has become U+FFFD.
 */
export function decodeTarName(value: string, fromPax: boolean): DecodedName {
  if (fromPax) return value.includes('\ufffd') ? { ok: false, shown: showBytes(Buffer.from(value, 'utf8')).replaceAll('\\xef\\xbf\\xbd', '\\x??') } : { ok: true, name: value };
  return decodeNameBytes(Buffer.from(value, 'latin1'));
}
