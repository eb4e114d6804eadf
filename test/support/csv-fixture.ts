/**
 * A seeded contact CSV with every hostile-but-normal shape SPEC §5 names (BOM, mixed line ends, quoting, duplicates in
 * other spellings, bad rows, extra columns, a final unterminated quote); `test/fixtures/csv-import-20k.expected.ndjson`
 * holds what the importer made of it. Never change what this generates: the fixture is only meaningful against these
 * same bytes.
 */

/** mulberry32: a small, fast, seeded PRNG (the generator must not depend on Math.random). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIXTURE_HEADER = 'number,first_name,last_name,company_name,email,tag,plan,amount,note,city';

const FIRST = ['Asha', 'Vikram', 'Zoë', 'राम', 'Li', "O'Neil", 'Anne-Marie', 'José', 'Priya', 'Kim'];
const LAST = ['Rao', 'Shah', 'Iyer', 'Müller', 'Nguyen', 'Smith', 'Okafor', 'García', 'Das', 'Khan'];
const PLANS = ['Gold', 'Silver', 'Bronze', 'Platinum', ''];
const CITIES = ['Pune', 'Delhi', 'Mumbai', 'Chennai', 'São Paulo', 'London', 'New York', ''];

export interface GeneratedCsv {
  text: string;
  /** Data rows written (blank lines included), for the test's own sanity checks. */
  rows: number;
}

/** The 20,000-data-row file of the fixture test (`rows` and `seed` fixed by the fixture). */
export function generateFixtureCsv(rows = 20_000, seed = 13): GeneratedCsv {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  /** Valid numbers already written, as [national-ish digits, country] so a later row can repeat one. */
  const written: Array<{ spellings: string[] }> = [];

  function validNumber(): { spelled: string; spellings: string[] } {
    const kind = rnd();
    if (kind < 0.55) {
      const n = `${pick(['98', '97', '96', '90', '88', '70', '63'])}${digits(8)}`;
      const spellings = [
        `+91${n}`,
        n,
        `0${n}`,
        `+91 ${n.slice(0, 5)} ${n.slice(5)}`,
        `91-${n.slice(0, 5)}-${n.slice(5)}`,
      ];
      return { spelled: pick(spellings), spellings };
    }
    if (kind < 0.65) {
      // A Delhi or Mumbai landline with its STD code.
      const n = `${pick(['11', '22'])}${pick(['2', '4', '6'])}${digits(7)}`;
      return {
        spelled: pick([`0${n}`, `+91${n}`, `+91 ${n.slice(0, 2)} ${n.slice(2)}`]),
        spellings: [`0${n}`, `+91${n}`],
      };
    }
    if (kind < 0.75) {
      const n = `${pick(['212', '415', '646', '312'])}${pick(['2', '5', '7'])}${digits(6)}`;
      return {
        spelled: pick([`+1${n}`, `+1 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`]),
        spellings: [`+1${n}`, `+1 ${n}`],
      };
    }
    if (kind < 0.83) {
      const n = `7${pick(['4', '5', '7', '8', '9'])}${digits(8)}`;
      return { spelled: pick([`+44${n}`, `+44 ${n.slice(0, 4)} ${n.slice(4)}`]), spellings: [`+44${n}`] };
    }
    if (kind < 0.9) {
      const n = `15${pick(['1', '2', '7'])}${digits(8)}`;
      return { spelled: `+49${n}`, spellings: [`+49${n}`, `+49 ${n}`] };
    }
    if (kind < 0.95) {
      const n = `4${digits(8)}`;
      return {
        spelled: pick([`+61${n}`, `+61 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`]),
        spellings: [`+61${n}`],
      };
    }
    const n = `5${pick(['0', '2', '5', '6'])}${digits(7)}`;
    return { spelled: `+971${n}`, spellings: [`+971${n}`] };
  }

  function invalidNumber(): string {
    return pick([
      `98${digits(3)}abc${digits(2)}`,
      digits(5),
      `+91${digits(14)}`,
      `+999 ${digits(8)}`,
      `+91 1${digits(9)}`,
      `#${digits(6)}`,
      `98${digits(8)} ext 12`,
      `+1 (555) ${digits(3)}`,
      `+44 ${digits(3)}`,
      '+',
      '()',
    ]);
  }

  /** A cell, quoted when it must be (and sometimes when it need not be). */
  function cell(value: string): string {
    if (/[",\r\n]/.test(value) || value.startsWith(' ') || rnd() < 0.05) return `"${value.replace(/"/g, '""')}"`;
    return value;
  }

  function nameCell(): string {
    const r = rnd();
    if (r < 0.03) return `"${pick(LAST)}, ${pick(FIRST)}"`;
    if (r < 0.05) return `"The ""${pick(FIRST)}"""`;
    if (r < 0.06) return `O"${pick(LAST)}`; // a stray quote inside an unquoted field
    if (r < 0.09) return `  ${pick(FIRST)}  `;
    return cell(pick(FIRST));
  }

  function extras(): string[] {
    const note = rnd() < 0.03 ? `first line\nsecond, with comma` : rnd() < 0.05 ? `said "hi"` : `n${digits(3)}`;
    return [cell(pick(PLANS)), cell(`${Math.floor(rnd() * 9000) + 100}.50`), cell(note), cell(pick(CITIES))];
  }

  function line(numberCell: string): string {
    const email = rnd() < 0.4 ? `u${digits(4)}@example.com` : '';
    const tag = rnd() < 0.3 ? pick(['vip', 'new', 'late payer']) : '';
    return [
      numberCell,
      nameCell(),
      cell(pick(LAST)),
      rnd() < 0.2 ? cell('Acme, Inc.') : '',
      email,
      tag,
      ...extras(),
    ].join(',');
  }

  const out: string[] = [`\uFEFF${FIXTURE_HEADER}`];
  for (let i = 1; i < rows; i++) {
    const r = rnd();
    let text: string;
    if (r < 0.08 && written.length > 0) {
      // The same contact again, maybe spelled otherwise: a duplicate, whose own columns are ignored.
      text = line(cell(pick(pick(written).spellings)));
    } else if (r < 0.14) {
      text = line(cell(invalidNumber()));
    } else if (r < 0.16) {
      text = line('');
    } else if (r < 0.17) {
      text = `${line(cell(validNumber().spelled))},surplus`;
    } else if (r < 0.175) {
      text = line(cell(validNumber().spelled)).replace(/,n\d{3},/, `,${'x'.repeat(1200)},`);
    } else if (r < 0.19) {
      text = rnd() < 0.5 ? '' : ',,,,,,,,,';
    } else if (r < 0.2) {
      // Trailing empty fields past the header are tolerated.
      const v = validNumber();
      written.push(v);
      text = `${line(cell(v.spelled))},,`;
    } else {
      const v = validNumber();
      written.push(v);
      text = line(cell(v.spelled));
    }
    out.push(text);
  }
  const endings = out.map((text, i) => {
    if (i === out.length - 1) return text;
    const e = rnd();
    return text + (e < 0.5 ? '\r\n' : e < 0.98 ? '\n' : '\r');
  });
  // The last data row opens a quote it never closes: that row fails, nothing else is lost.
  endings.push(`\r\n+919811112222,"Never closed,Rao,,,,,,,`);
  return { text: endings.join(''), rows };
}
