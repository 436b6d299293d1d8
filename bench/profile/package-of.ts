/** The npm package a script URL lies in (`@scope/name` or `name`), or undefined outside node_modules. */
export function packageOf(url: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
}
