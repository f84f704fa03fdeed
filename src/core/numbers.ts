/**
 * A number as people read it in English: 1,048,576. Written here rather than with toLocaleString:
 * the first locale-aware call in a process loads ICU's number formatting, 12–20 ms, which a command
 * that prints one count (or builds one error message) would otherwise pay at every start.
 * Integers are grouped here, exactly as `toLocaleString("en-US")` groups them; anything else
 * (fractions, -0, infinities, NaN) is rare in messages and goes to ICU.
 */
export function formatNumber(x: number): string {
  if (!Number.isSafeInteger(x) || Object.is(x, -0)) return x.toLocaleString("en-US");
  const digits = String(Math.abs(x));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return x < 0 ? `-${grouped}` : grouped;
}
