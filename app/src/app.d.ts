// Ambient types for SvelteKit's App namespace.
declare global {
  namespace App {
    interface Error {
      code: string;
      message: string;
    }
  }
}

export {};
