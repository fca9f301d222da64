// SvelteKit configuration: a Node server (adapter-node) serving the dashboard.
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter(),
    // Only PUBLIC_ variables may reach the browser; the server reads the rest from process env.
    env: { publicPrefix: 'PUBLIC_' },
  },
};

export default config;
