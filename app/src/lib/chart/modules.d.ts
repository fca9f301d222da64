// chartjs-adapter-date-fns ships no types: it is imported for its side effect (registering the adapter).
declare module 'chartjs-adapter-date-fns';
