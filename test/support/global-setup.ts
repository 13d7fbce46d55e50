// Runs once before the suite: nothing shared to start yet (each test file isolates its own database).
export default async function setup(): Promise<void> {}
