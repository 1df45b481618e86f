// A strict reader of the Prometheus text exposition format 0.0.4, for tests: anything malformed throws.
// Returns Map(family name -> {type, help, samples: [{name, labels, value}]}).

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseNumber(text, line) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${JSON.stringify(line)}`);
  return Number(text);
}

// {a="x",b="y"} at `start` (the '{'); returns [labels, index after '}'].
function parseLabels(line, start) {
  const labels = {};
  let i = start + 1;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`label without '=': ${JSON.stringify(line)}`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name ${JSON.stringify(name)}: ${JSON.stringify(line)}`);
    if (name in labels) throw new Error(`label ${name} twice: ${JSON.stringify(line)}`);
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted: ${JSON.stringify(line)}`);
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      if (j >= line.length) throw new Error(`unterminated label value: ${JSON.stringify(line)}`);
      const c = line[j];
      if (c === '"') break;
      if (c === '\\') {
        const next = line[++j];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`bad escape \\${next}: ${JSON.stringify(line)}`);
      } else {
        value += c;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected ',' or '}': ${JSON.stringify(line)}`);
  }
}

function familyOf(families, sampleName) {
  if (families.has(sampleName)) return families.get(sampleName);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const family = families.get(sampleName.slice(0, -suffix.length));
      if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
    }
  }
  return undefined;
}

function checkHistogram(name, family) {
  const series = new Map();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!series.has(key)) series.set(key, { buckets: [], sum: undefined, count: undefined });
    const entry = series.get(key);
    if (s.name === `${name}_bucket`) {
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      entry.buckets.push([parseNumber(le, le), s.value]);
    } else if (s.name === `${name}_sum`) entry.sum = s.value;
    else if (s.name === `${name}_count`) entry.count = s.value;
    else throw new Error(`${s.name} in histogram ${name}`);
  }
  for (const [key, { buckets, sum, count }] of series) {
    if (sum === undefined || count === undefined) throw new Error(`${name}${key}: no _sum or _count`);
    if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity) throw new Error(`${name}${key}: no +Inf bucket last`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i][0] > buckets[i - 1][0])) throw new Error(`${name}${key}: le not increasing`);
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${name}${key}: bucket counts decrease`);
    }
    if (buckets[buckets.length - 1][1] !== count) throw new Error(`${name}${key}: +Inf bucket != _count`);
  }
}

export function parsePrometheusText(text) {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map();
  const seen = new Set();
  const lines = text.split('\n');
  lines.pop();
  for (const line of lines) {
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name: ${JSON.stringify(line)}`);
      if (!families.has(name)) families.set(name, { type: undefined, help: undefined, samples: [] });
      const family = families.get(name);
      if (family.samples.length > 0) throw new Error(`${kind} after samples of ${name}`);
      if (kind === 'TYPE') {
        if (family.type !== undefined) throw new Error(`TYPE twice for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`unknown type: ${JSON.stringify(line)}`);
        family.type = rest;
      } else {
        if (family.help !== undefined) throw new Error(`HELP twice for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP: ${JSON.stringify(line)}`);
        family.help = rest.replace(/\\(\\|n)/g, (_, c) => (c === 'n' ? '\n' : '\\'));
      }
      continue;
    }
    if (line.trim() === '') throw new Error('an empty line');
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`no value: ${JSON.stringify(line)}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name: ${JSON.stringify(line)}`);
    let labels = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    if (line[i] !== ' ') throw new Error(`expected a space before the value: ${JSON.stringify(line)}`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length < 1 || parts.length > 2) throw new Error(`bad value part: ${JSON.stringify(line)}`);
    const value = parseNumber(parts[0], line);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp: ${JSON.stringify(line)}`);
    const family = familyOf(families, name);
    if (!family || family.type === undefined) throw new Error(`sample without TYPE: ${JSON.stringify(line)}`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`the same series twice: ${JSON.stringify(line)}`);
    seen.add(key);
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`negative counter: ${JSON.stringify(line)}`);
    family.samples.push({ name, labels, value });
  }
  for (const [name, family] of families) {
    if (family.type === undefined) throw new Error(`HELP without TYPE for ${name}`);
    if (family.type === 'histogram') checkHistogram(name, family);
  }
  return families;
}

// The total of the samples named `sampleName` whose labels include `labels`; 0 when none has them.
// Throws when no family has such samples at all (a misspelt name).
export function sampleValue(families, sampleName, labels = {}) {
  const family = familyOf(families, sampleName);
  if (!family) throw new Error(`no metric ${sampleName}`);
  let total = 0;
  for (const s of family.samples) {
    if (s.name !== sampleName) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
