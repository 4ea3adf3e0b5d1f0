import { describe, expect, it } from 'vitest';
import { MAX_TOOL_NAME_LENGTH, toolNameOf } from './tool_name.js';

describe('tool names', () => {
  it("follows Databricks' catalog__schema__function convention", () => {
    expect(toolNameOf('main.tools.add_tax')).toBe('main__tools__add_tax');
    expect(toolNameOf('system.ai.python_exec')).toBe('system__ai__python_exec');
  });

  it('shortens long names deterministically, within 64 characters, without collisions', () => {
    const long = `main.tools.${'a'.repeat(70)}`;
    const other = `main.tools.${'a'.repeat(69)}b`;
    const name = toolNameOf(long);
    expect(name.length).toBe(MAX_TOOL_NAME_LENGTH);
    expect(name).toMatch(/^main__tools__a+_[0-9a-z]{10}$/);
    expect(toolNameOf(long)).toBe(name);
    expect(toolNameOf(other)).not.toBe(name);
    // Exactly 64 characters is kept as is.
    const fits = `c.s.${'f'.repeat(MAX_TOOL_NAME_LENGTH - 6)}`;
    expect(toolNameOf(fits)).toBe(fits.replace(/\./g, '__'));
  });

  it('keeps to the characters model APIs accept', () => {
    const name = toolNameOf('my-catalog.my schema.größe');
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(name.startsWith('my-catalog__my_schema__gr')).toBe(true);
    expect(toolNameOf('c.s.größe')).not.toBe(toolNameOf('c.s.grxxe'));
  });
});
