import { defineConfig } from "tsup";

// Our workspace packages are TypeScript source with extensionless imports: bundle them in.
// npm packages stay external and are resolved from this app's node_modules at run time, which
// is why the ones the gateway really runs (ioredis, zod, Prisma's runtime, pg) are direct
// dependencies here.
//
// @aula/domain also exports use cases the gateway never calls (password hashing with argon2's
// native binding, CSV import). Marking npm imports side-effect free lets esbuild drop those
// imports entirely once their bindings are tree-shaken, instead of leaving `import "…"` lines
// that would need packages this app does not install.
export default defineConfig({
  entry: ["src/server.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  clean: true,
  splitting: false,
  treeshake: true,
  noExternal: [/^@aula\//],
  esbuildPlugins: [
    {
      name: "npm-external-side-effect-free",
      setup(build) {
        // Go regexps have no lookahead: match every bare specifier, pass @aula ones on.
        build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@aula/") ? undefined : { path: args.path, external: true, sideEffects: false }));
      },
    },
  ],
});
