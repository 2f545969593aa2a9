/**
 * What a package README names in code: every identifier in its fenced examples and inline
 * code. The README tests use it to check that a package re-exports what its README shows.
 */
import { readFileSync } from 'node:fs';

export function namesInReadme(readmeUrl: URL): Set<string> {
  const readme = readFileSync(readmeUrl, 'utf8');
  const named = new Set<string>();
  const collect = (text: string): void => {
    for (const word of text.matchAll(/\b[A-Za-z_]\w*\b/g)) named.add(word[0]);
  };
  // Fenced examples first (their backticks would pair up with inline code), then inline code.
  const prose = readme.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, body: string) => {
    collect(body);
    return '';
  });
  for (const code of prose.matchAll(/`([^`\n]+)`/g)) collect(code[1]!);
  return named;
}
