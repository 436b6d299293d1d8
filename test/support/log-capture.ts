/** A pino destination that keeps every JSON line, for assertions on logs. */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];

  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) {
      if (line.trim()) {
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    return true;
  }

  forRequest(requestId: string): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.request_id === requestId);
  }

  text(): string {
    return this.raw.join('\n');
  }
}
