// Generates the demo dataset: realistic support tickets for an online store, deterministic (a
// fixed seed), with a few re-submitted tickets (in-run duplicates) and one broken line.
// Usage: npx tsx examples/demo/generate-tickets.ts [count] > examples/demo/tickets.jsonl
let seed = 20260224;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

const FIRST = [
  'Ana',
  'Ben',
  'Chloé',
  'Dmitri',
  'Emeka',
  'Fatima',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kavya',
  'Liam',
  'Mei',
  'Noah',
  'Olga',
  'Pedro',
  'Quinn',
  'Rosa',
  'Sven',
  'Tariq',
];
const LAST = [
  'Silva',
  'Okafor',
  'Dubois',
  'Ivanov',
  'Nakamura',
  'Haddad',
  'Müller',
  'Kowalski',
  'Patel',
  'García',
  'Smith',
  'Chen',
  'Larsen',
  'Rossi',
];
const PRODUCTS = [
  'wireless earbuds',
  'standing desk',
  'espresso machine',
  'running shoes',
  'phone case',
  'air purifier',
  'mechanical keyboard',
  'yoga mat',
  'smart watch',
  'backpack',
];

const KINDS: { subject: string[]; body: string[] }[] = [
  {
    subject: [
      'Charged twice for order {order}',
      'Refund not received',
      'Wrong amount on my invoice',
      'Coupon was not applied',
    ],
    body: [
      'I was charged twice for order {order} ({product}). Please refund the duplicate payment as soon as possible.',
      'I returned the {product} three weeks ago and still have not received my refund for order {order}.',
      'My invoice for order {order} shows a higher price than the checkout page did. Can you correct it?',
    ],
  },
  {
    subject: ['Cannot log in', 'Password reset email never arrives', 'Account locked', 'Two-factor code not working'],
    body: [
      'Since yesterday I cannot log in to my account. The page just reloads after I enter my password.',
      'I requested a password reset five times but no email arrives, not even in spam.',
      'My account was locked after the app update and I need to check order {order}.',
    ],
  },
  {
    subject: [
      'Where is my order {order}?',
      'Package marked delivered but not here',
      'Shipping delayed again',
      'Wrong address on shipment',
    ],
    body: [
      'Order {order} ({product}) was supposed to arrive last Monday. Tracking has not updated in six days.',
      'Tracking says my {product} was delivered but there is nothing at my door or with my neighbours.',
      'I need the {product} for a trip on Friday. Can order {order} be expedited?',
    ],
  },
  {
    subject: [
      '{product} stopped working',
      'App crashes on checkout',
      'Defective {product}',
      'Error 500 on the orders page',
    ],
    body: [
      'My {product} stopped working after two days. It does not turn on at all, even after charging overnight.',
      'The app crashes every time I tap "Pay" at checkout. I am on the latest version.',
      'The orders page shows "Error 500" whenever I try to open order {order}.',
    ],
  },
  {
    subject: [
      'Feature request: dark mode',
      'Please add gift wrapping',
      'Suggestion for the {product}',
      'Wishlist sharing',
    ],
    body: [
      'It would be great if the app had a dark mode. The white screen is hard on the eyes at night.',
      'Could you offer gift wrapping? I would order the {product} as a present.',
      'Please let me share my wishlist with family so they know what to buy.',
    ],
  },
];

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (_m, key: string) => vars[key] ?? key);
}

const count = Number(process.argv[2] ?? 1200);
const emitted: Record<string, unknown>[] = [];
for (let i = 1; i <= count; i++) {
  const ticketId = `T-${String(100000 + i)}`;
  if (i === 777) {
    // A ticket exported without its body: the run rejects this line and says why.
    process.stdout.write(
      JSON.stringify({ ticket_id: ticketId, customer: 'Export Glitch', subject: 'Empty ticket' }) + '\n',
    );
    continue;
  }
  if (emitted.length > 20 && random() < 0.03) {
    // A customer who sent the same ticket again: same text, new ticket id.
    const again = { ...pick(emitted), ticket_id: ticketId };
    process.stdout.write(JSON.stringify(again) + '\n');
    continue;
  }
  const kind = pick(KINDS);
  const vars = { order: `#${Math.floor(400000 + random() * 99999)}`, product: pick(PRODUCTS) };
  const ticket = {
    ticket_id: ticketId,
    customer: `${pick(FIRST)} ${pick(LAST)}`,
    subject: fill(pick(kind.subject), vars),
    body: fill(pick(kind.body), vars),
    created_at: new Date(Date.UTC(2026, 1, 1) + i * 1_800_000).toISOString(),
  };
  emitted.push(ticket);
  process.stdout.write(JSON.stringify(ticket) + '\n');
}
