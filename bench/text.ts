/**
 * The seeded random source and the text maker that turns the corpus into titles, summaries and
 * bodies. Everything random goes through one `Rng`, so output depends only on the seed and on
 * the order of calls.
 */
import {
  CHANNELS,
  COMPANY_CORES,
  COMPANY_HEADS,
  COMPANY_TAILS,
  COOPERATION_TEMPLATES,
  COOPERATION_TOPICS,
  DISTRICTS,
  EXECS,
  FACILITIES,
  FIGURE_TEMPLATES,
  GIVEN,
  JOBS,
  LATIN,
  METRICS,
  ORGS,
  PLACES,
  PROVINCES,
  QUOTES,
  ROLES,
  SECTIONS,
  SENTENCE_TEMPLATES,
  SPORTS_TEMPLATES,
  SUBTITLE_TEMPLATES,
  SURNAMES,
  TEAMS,
  TITLE_TEMPLATES,
  TECH,
  TOPIC_WEIGHTS,
  TOPICS,
  type SectionDef,
  type Topic,
} from './corpus.js';

export const TITLE_MIN = 12;
export const TITLE_MAX = 30;
export const BODY_MIN = 1000;
export const BODY_MAX = 3000;
/** Longer than any filled sentence, so a body aimed below BODY_MAX - this cannot overshoot. */
const SENTENCE_ALLOWANCE = 150;

export type Rng = {
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An index into `weights`, drawn in proportion to them. */
  weighted(weights: readonly number[]): number;
};

/** mulberry32: a tiny, fast 32-bit generator; plenty for test data, never for secrets. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    weighted(weights) {
      let left = next() * weights.reduce((a, b) => a + b, 0);
      for (let i = 0; i < weights.length; i++) {
        left -= weights[i] as number;
        if (left < 0) return i;
      }
      return weights.length - 1;
    },
  };
}

type Slots = Record<string, () => string>;

/** Splits `…{slot}…` once, up front, so filling a template is a loop of concatenations. */
function compile(template: string, slots: Slots): () => string {
  const parts = template.split(/\{(\w+)\}/).map((part, i) => {
    if (i % 2 === 0) return part;
    const fill = slots[part];
    if (!fill) throw new Error(`unknown slot {${part}} in template ${template}`);
    return fill;
  });
  return () => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part();
    return out;
  };
}

/** Fisher–Yates, in place, drawing from the seeded source. */
function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const RELATIVE_DATES = ['近日', '日前', '昨天', '本周'];
const TOPIC_WEIGHT_LIST = TOPICS.map((t) => TOPIC_WEIGHTS[t.word] ?? 1);

export type TextMaker = ReturnType<typeof createTextMaker>;

/** What one article is about: its topics, its technology word and the sentences it may use. */
type ArticleContext = { section: SectionDef; day: Date; topics: Topic[]; tech: string };

export function createTextMaker(rng: Rng) {
  let ctx: ArticleContext = { section: SECTIONS[0] as SectionDef, day: new Date(0), topics: TOPICS.slice(0, 2), tech: '' };
  let topicIndex = 0;
  // The first topic a title mentions names its slug; body sentences overwrite it harmlessly.
  let firstTopic: Topic | null = null;
  const titleTopic = (): Topic | null => firstTopic;
  const note = (topic: Topic) => {
    firstTopic ??= topic;
    return topic.word;
  };
  const name = () => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.6) ? rng.pick(GIVEN) : '');
  const slots: Slots = {
    place: () => rng.pick(PLACES),
    district: () => rng.pick(DISTRICTS),
    province: () => rng.pick(PROVINCES),
    official: () => rng.pick(ROLES) + name(),
    person: name,
    role: () => rng.pick(ROLES),
    exec: () => rng.pick(EXECS),
    job: () => rng.pick(JOBS),
    team: () => rng.pick(TEAMS),
    org: () => rng.pick(ORGS),
    company: () => rng.pick(COMPANY_HEADS) + rng.pick(COMPANY_CORES) + rng.pick(COMPANY_TAILS),
    topic: () => {
      topicIndex = rng.int(0, ctx.topics.length - 1);
      return note(ctx.topics[topicIndex] as Topic);
    },
    topic2: () => (ctx.topics[(topicIndex + 1) % ctx.topics.length] as Topic).word,
    focus: () => note(rng.pick(ctx.section.focus)),
    tech: () => ctx.tech,
    facility: () => rng.pick(FACILITIES),
    channel: () => rng.pick(CHANNELS),
    metric: () => rng.pick(METRICS),
    pct: () => `${rng.int(1, 35)}.${rng.int(0, 9)}%`,
    smallpct: () => `${rng.int(0, 3)}.${rng.int(0, 9)}%`,
    money: () => (rng.chance(0.5) ? `${rng.int(1, 900)}亿元` : `${rng.int(100, 9999)}万元`),
    count: () => `${rng.int(2, 300)}个`,
    people: () => (rng.chance(0.5) ? `${rng.int(1, 99)}万人次` : `${rng.int(100, 9999)}人`),
    month: () => String(rng.int(2, 11)),
    year: () => String(ctx.day.getUTCFullYear() - rng.int(0, 1)),
    date: () => (rng.chance(0.6) ? `${ctx.day.getUTCMonth() + 1}月${ctx.day.getUTCDate()}日` : rng.pick(RELATIVE_DATES)),
    quote: () => rng.pick(QUOTES),
  };
  const compileAll = (templates: string[]) => templates.map((t) => compile(t, slots));
  const titles = compileAll(TITLE_TEMPLATES);
  const subtitles = compileAll(SUBTITLE_TEMPLATES);
  const common = compileAll(SENTENCE_TEMPLATES);
  const cooperation = compileAll(COOPERATION_TEMPLATES);
  const figures = compileAll(FIGURE_TEMPLATES);
  const sports = compileAll(SPORTS_TEMPLATES);

  // Sentences are dealt like cards, reshuffled when used up, so a body does not repeat a
  // pattern until it has used them all (real copy rarely says the same thing twice).
  let deck: (() => string)[] = [];
  let dealt = 0;
  const sentence = () => {
    if (dealt >= deck.length) {
      shuffle(rng, deck);
      dealt = 0;
    }
    return (deck[dealt++] as () => string)();
  };

  function pickTopics(): Topic[] {
    const picked = new Set<Topic>();
    const want = rng.int(2, 3);
    while (picked.size < want) picked.add(TOPICS[rng.weighted(TOPIC_WEIGHT_LIST)] as Topic);
    return [...picked];
  }

  return {
    name,
    /** Sets up the next article: its top-level section, its day (Beijing time) and its themes. */
    startArticle(section: SectionDef, day: Date) {
      const topics = pickTopics();
      ctx = { section, day, topics, tech: rng.chance(0.25) ? rng.pick(LATIN) : rng.pick(TECH) };
      const onCooperation = topics.some((t) => COOPERATION_TOPICS.includes(t.word));
      const cooperates = rng.chance(onCooperation ? 0.6 : section.slug === 'zhengqing' ? 0.3 : 0.04);
      deck = [...common];
      if (cooperates) deck.push(...cooperation);
      if (section.slug === 'tiyu') deck.push(...sports);
      if (rng.chance(0.12)) deck.push(...shuffle(rng, figures.slice()).slice(0, rng.int(1, 2)));
      dealt = deck.length;
    },
    /** A title of TITLE_MIN–TITLE_MAX characters and an ASCII word for the slug. */
    title(): { title: string; slugWord: string } {
      for (;;) {
        firstTopic = null;
        const title = rng.pick(titles)();
        if (title.length >= TITLE_MIN && title.length <= TITLE_MAX) return { title, slugWord: titleTopic()?.pinyin ?? ctx.section.slug };
      }
    },
    subtitle: () => rng.pick(subtitles)(),
    summary: () => (rng.chance(0.5) ? sentence() : sentence() + sentence()),
    /** 4–10 paragraphs whose text totals BODY_MIN–BODY_MAX characters. */
    body(): string {
      const target = rng.int(BODY_MIN, BODY_MAX - SENTENCE_ALLOWANCE);
      const paragraphs = rng.int(4, 10);
      let html = '';
      let length = 0;
      for (let p = 1; p <= paragraphs; p++) {
        const goal = (target * p) / paragraphs;
        let text = '';
        do {
          const s = sentence();
          text += s;
          length += s.length;
        } while (length < goal);
        html += `<p>${text}</p>`;
      }
      return html;
    },
  };
}
