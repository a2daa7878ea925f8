import { describe, expect, it } from 'vitest';
import { fillAgentPlaceholders, fillPlaceholders, missingVariables, placeholdersIn } from './prompt-variables.ts';

describe('{{name}} placeholders', () => {
  it('finds each name once, in order, with or without spaces inside the braces', () => {
    expect(placeholdersIn('Hi {{first_name}}, {{ date }}', 'again {{first_name}} {{x1}}', undefined)).toEqual([
      'first_name',
      'date',
      'x1',
    ]);
  });

  it('ignores what is not a placeholder', () => {
    expect(placeholdersIn('{{}} {{1abc}} {name} {{ a b }} {{a-b}}')).toEqual([]);
  });

  it('names the placeholders without a value, an empty value counting as given', () => {
    expect(missingVariables({ first_name: '' }, 'Hi {{first_name}} on {{date}}', '{{time}}')).toEqual(['date', 'time']);
    expect(missingVariables({ toString: 'x' }, '{{constructor}}')).toEqual(['constructor']);
  });

  it('fills the values and leaves a placeholder without one as written', () => {
    expect(
      fillPlaceholders('Hi {{ first_name }}, see you {{date}} ({{date}})', { first_name: 'Ann', date: 'Fri' }),
    ).toBe('Hi Ann, see you Fri (Fri)');
    expect(fillPlaceholders('{{missing}} stays', {})).toBe('{{missing}} stays');
    // A value is inserted literally: `$&` and braces in it are not replacement patterns or placeholders.
    expect(fillPlaceholders('{{a}} {{b}}', { a: '$& {{b}}', b: 'B' })).toBe('$& {{b}} B');
  });

  it("fills an agent's prompt and greeting and keeps the rest", () => {
    const agent = { name: 'x', prompt: 'Call {{n}}', greeting: 'Hello {{n}}' };
    expect(fillAgentPlaceholders(agent, { n: 'Ann' })).toEqual({
      name: 'x',
      prompt: 'Call Ann',
      greeting: 'Hello Ann',
    });
    expect(fillAgentPlaceholders({ prompt: '{{n}}' }, { n: 'Ann' })).toEqual({ prompt: 'Ann' });
  });
});
