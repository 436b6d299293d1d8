import { StartupTracker } from '../../src/health';
import { createTestApp, TestApp, TestAppOptions } from '../support/create-test-app';

/** createTestApp, then wait until every start-up task (OCR warm-up…) has settled, as a pod would before taking traffic. */
export async function createStartedApp(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestApp(options);
  await t.app.get(StartupTracker).whenSettled();
  return t;
}
