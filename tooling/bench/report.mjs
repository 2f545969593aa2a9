// The runner's arithmetic, the same for every scenario: medians of result rows across runs,
// goals ('>= 0.6', '<= 3', '= 0', ...) and number formatting.

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One row per label across runs (`runs` is an array of result arrays): numeric `value` and
 * `ratio` become their medians (with `runs` listing every run's figure), strings keep the last
 * run's; the row order is the first run's.
 */
export function medianRows(runs) {
  const order = [];
  const byLabel = new Map();
  for (const rows of runs) {
    for (const row of rows) {
      if (!byLabel.has(row.label)) {
        byLabel.set(row.label, []);
        order.push(row.label);
      }
      byLabel.get(row.label).push(row);
    }
  }
  return order.map((label) => {
    const rows = byLabel.get(label);
    const last = rows[rows.length - 1];
    const out = { ...last };
    const numbers = rows.map((r) => r.value).filter((v) => typeof v === 'number');
    if (numbers.length === rows.length && rows.length > 1) {
      out.value = median(numbers);
      out.values = numbers;
    }
    const ratios = rows.map((r) => r.ratio).filter((v) => typeof v === 'number');
    if (ratios.length === rows.length && rows.length > 1) {
      out.ratio = median(ratios);
      out.ratios = ratios;
    }
    return out;
  });
}

const GOAL = /^\s*(>=|<=|>|<|=)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/;

/** True, false, or undefined (no goal, or a value that cannot be judged). */
export function meets(goal, figure) {
  const m = GOAL.exec(goal);
  if (m === null) throw new Error(`goal '${goal}' is not of the form '>= 0.6'`);
  if (typeof figure !== 'number' || Number.isNaN(figure)) return false;
  const target = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return figure >= target;
    case '<=':
      return figure <= target;
    case '>':
      return figure > target;
    case '<':
      return figure < target;
    default:
      return figure === target;
  }
}

/** Adds `pass` to every row with a goal, judged on its ratio when it has one, else on its value. */
export function judge(rows) {
  return rows.map((r) => (r.goal === undefined ? r : { ...r, pass: meets(r.goal, r.ratio ?? r.value) }));
}

export function formatNumber(n) {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) < 10 ? 3 : 1 });
}
