// @vitest-environment jsdom
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TextField from './TextField.svelte';

describe('TextField', () => {
  it('is labelled, and shows the API error beside the input it belongs to', () => {
    render(TextField, { label: 'LLM model', value: '', error: 'Required', required: true });
    const input = screen.getByLabelText('LLM model *');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const error = screen.getByRole('alert');
    expect(error.textContent).toBe('Required');
    expect(input.getAttribute('aria-describedby')).toBe(error.id);
  });

  it('shows the hint, and no error state, when the field is fine', () => {
    render(TextField, { label: 'Language', value: 'en-US', hint: 'BCP 47' });
    const input = screen.getByLabelText('Language') as HTMLInputElement;
    expect(input.value).toBe('en-US');
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toBe('BCP 47');
  });
});
