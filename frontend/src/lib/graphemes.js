/**
 * Characters as the API counts them: extended grapheme clusters (an emoji with its modifiers, a
 * flag, a letter with its accents each count as one), through Intl.Segmenter.
 */
let segmenter = null;

function getSegmenter() {
  if (segmenter === null) {
    segmenter =
      typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function'
        ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
        : false;
  }
  return segmenter;
}

export function characterCount(text) {
  if (!text) return 0;
  const seg = getSegmenter();
  if (!seg) return Array.from(text).length; // code points: close enough where Segmenter is missing
  let total = 0;
  // eslint-disable-next-line no-unused-vars
  for (const _ of seg.segment(text)) total += 1;
  return total;
}

/** Only whitespace, control or invisible format characters: the API refuses it as blank. */
export function isBlank(text) {
  return !text || /^[\s\p{Cc}\p{Cf}]*$/u.test(text);
}

/** Test hook. */
export function resetSegmenter(value = null) {
  segmenter = value;
}
