/** scripts/build.mjs bundles imported .css files as text (adopted as a constructed stylesheet). */
declare module '*.css' {
  const text: string;
  export default text;
}
