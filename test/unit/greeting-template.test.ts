import { describe, expect, it } from 'vitest';
import { renderGreeting, templateTokens, unknownTemplateToken } from '../../domain/greeting-template';

describe('§3 read_via_text templating', () => {
  it('lists the distinct tokens in order of first use', () => {
    expect(templateTokens('Hi @@first_name, your @@item ships @@date. Bye @@first_name')).toEqual([
      'first_name',
      'item',
      'date',
    ]);
  });

  it('replaces tokens with the contact values, case-sensitively', () => {
    expect(
      renderGreeting('Hello @@first_name, pay @@Amount by @@due_date.', {
        first_name: 'Asha',
        Amount: '₹500',
        amount: 'no',
      }),
    ).toBe('Hello Asha, pay ₹500 by .');
  });

  it('renders missing, empty and null values as the empty string', () => {
    expect(renderGreeting('[@@a][@@b][@@c]', { a: '', b: null })).toBe('[][][]');
    expect(renderGreeting('[@@a]', null)).toBe('[]');
  });

  it('takes the longest column name and leaves text that is not a token alone', () => {
    expect(renderGreeting("@@first_name's order, mail me @@ home, @@9am, a@@b", { first_name: 'Ravi', b: 'B' })).toBe(
      "Ravi's order, mail me @@ home, @@9am, aB",
    );
  });

  it('does not read inherited properties as values', () => {
    expect(renderGreeting('@@constructor @@toString', {})).toBe(' ');
  });

  it('accepts standard columns and the list columns, and names the first other token', () => {
    expect(unknownTemplateToken('Hi @@first_name, @@plan', ['plan'])).toBeNull();
    expect(unknownTemplateToken('Hi @@first_name, @@Plan and @@x', ['plan'])).toBe('Plan');
  });
});
