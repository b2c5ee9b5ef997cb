/**
 * A deterministic text for the word-count benches: a Zipf-distributed vocabulary of 5000
 * made-up words, some accented, with punctuation and newlines.
 */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateText(bytes: number): string {
  const random = rng(42);
  const onsets = ['b', 'c', 'd', 'f', 'g', 'h', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'ch', 'br', 'pl', 'ç', 'ñ'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ou', 'ea', 'é', 'è', 'ü', 'ø', 'å', 'ai'];
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < 5000) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 3);
    for (let s = 0; s < syllables; s++) word += onsets[Math.floor(random() * onsets.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    if (random() < 0.3) word += 'nrsdt'[Math.floor(random() * 5)]!;
    if (random() < 0.02) word += "'s";
    if (!seen.has(word)) {
      seen.add(word);
      vocabulary.push(word);
    }
  }
  // Zipf(1) by inverse CDF over a lookup table of ranks.
  const harmonic: number[] = [];
  let sum = 0;
  for (let r = 1; r <= vocabulary.length; r++) harmonic.push((sum += 1 / r));
  const table = new Uint16Array(1 << 16);
  for (let j = 0, r = 0; j < table.length; j++) {
    const u = ((j + 0.5) / table.length) * sum;
    while (harmonic[r]! < u) r++;
    table[j] = r;
  }
  const punctuation = [' ', ' ', ' ', ' ', ' ', ' ', ', ', '. ', '; ', ' - ', ' (', ') ', '! ', '? ', ' "', '" ', ': '];
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words = 6 + Math.floor(random() * 12);
    let line = '';
    for (let w = 0; w < words; w++) {
      let word = vocabulary[table[Math.floor(random() * table.length)]!]!;
      const roll = random();
      if (roll < 0.08) word = word[0]!.toUpperCase() + word.slice(1);
      else if (roll < 0.085) word = word.toUpperCase();
      line += word + (w === words - 1 ? '.' : punctuation[Math.floor(random() * punctuation.length)]!);
    }
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return `${lines.join('\n')}\n`;
}
