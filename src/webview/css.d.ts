/** Stylesheets imported for esbuild to emit beside the bundle (media/dist/timeline.css). */
declare module '*.css';
