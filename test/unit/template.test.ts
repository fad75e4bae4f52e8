// Templates read an item's own data only, and every placeholder that would not render as meant
// is found before a run starts.
import { TemplateFieldMissing, renderTemplate, templateFields, templateProblems } from '../../common';

describe('template lookups', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', '__proto__.x', 'a.constructor', 'a.toString'])(
    '{{%s}} is missing for an item that does not hold it (never Object.prototype)',
    (field) => {
      expect(() => renderTemplate(`{{${field}}}`, { a: { b: 1 } })).toThrow(new TemplateFieldMissing(field));
    },
  );

  it('reads own fields whatever their name, arrays included', () => {
    const item = JSON.parse('{"constructor": "c", "tags": ["x", "y"], "n": {"0": 0}}') as Record<string, unknown>;
    expect(renderTemplate('{{constructor}} {{tags.1}} {{tags.length}} {{n.0}}', item)).toBe('c y 2 0');
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 'no prototype' });
    expect(renderTemplate('{{a}}', bare)).toBe('no prototype');
  });

  it('reads a "__proto__" key that a JSON line really holds as data, and nothing from the prototype', () => {
    // JSON.parse makes "__proto__" an own property (as the CSV reader does for such a column).
    const item = JSON.parse('{"__proto__": {"x": "own"}, "s": "t"}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(renderTemplate('{{__proto__.x}} {{s}}', item)).toBe('own t');
    expect(() => renderTemplate('{{__proto__.y}}', item)).toThrow(new TemplateFieldMissing('__proto__.y'));
    expect(() => renderTemplate('{{s.constructor}}', item)).toThrow(new TemplateFieldMissing('s.constructor'));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads field names in any script, with - and $', () => {
    expect(renderTemplate('{{größe}} {{x-y}} {{$v}}', { größe: 'L', 'x-y': 1, $v: true })).toBe('L 1 true');
    expect(templateFields('{{ größe }} {{a.b-c}}')).toEqual(['größe', 'a.b-c']);
  });
});

describe('templateProblems', () => {
  it('accepts plain field paths', () => {
    expect(templateProblems('Ticket: {{subject}}\n{{ body }} by {{customer.name}} {{x-1.$y}}')).toEqual([]);
    expect(templateProblems('no placeholders, } and { alone')).toEqual([]);
  });

  it('names every placeholder that is not a field path', () => {
    expect(templateProblems('{{sub ject}} {{a..b}} {{}} {{.a}} {{a.}} {{ok}}')).toEqual([
      '"{{sub ject}}" is not a field path (use {{field}} or {{a.b}})',
      '"{{a..b}}" is not a field path (use {{field}} or {{a.b}})',
      '"{{}}" is not a field path (use {{field}} or {{a.b}})',
      '"{{.a}}" is not a field path (use {{field}} or {{a.b}})',
      '"{{a.}}" is not a field path (use {{field}} or {{a.b}})',
    ]);
  });

  it('finds an unclosed {{ and triple braces', () => {
    expect(templateProblems('Hi {{name')).toEqual(['"{{name" has no closing }} (use {{field}} or {{a.b}})']);
    expect(templateProblems('{{{x}}}')).toEqual(['"{{{x}}" is not a field path (use {{field}} or {{a.b}})']);
    expect(templateProblems('{{a} and {{b}}')).toEqual([
      '"{{a} and {{b}}" is not a field path (use {{field}} or {{a.b}})',
    ]);
  });

  it('refuses __proto__, prototype and constructor as segments', () => {
    expect(templateProblems('{{__proto__.x}} {{ a.prototype }} {{constructor}} {{protos}}')).toEqual([
      '"{{__proto__.x}}" uses "__proto__", which cannot be a field name in a template',
      '"{{ a.prototype }}" uses "prototype", which cannot be a field name in a template',
      '"{{constructor}}" uses "constructor", which cannot be a field name in a template',
    ]);
  });
});
