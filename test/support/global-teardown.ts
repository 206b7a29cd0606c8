import { dropDatabase } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__TP_TEST__;
  if (!state) return;
  await state.s3.stop();
  if (state.embedded) {
    await state.embedded.stop(); // non-persistent: its files go with it
  } else {
    await dropDatabase(state.adminUrl, state.database);
  }
}
