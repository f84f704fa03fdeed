// Two measurements taken in turn, so that whatever else the machine does falls on both alike: one
// run of each to warm up, then `rounds` of each, alternating. Returns each one's results in order.
export function alternate(a, b, rounds = 7) {
  a();
  b();
  const as = [];
  const bs = [];
  for (let i = 0; i < rounds; i++) {
    as.push(a());
    bs.push(b());
  }
  return [as, bs];
}
