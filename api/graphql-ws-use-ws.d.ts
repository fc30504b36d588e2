// graphql-ws publishes its ws adapter only under package "exports", which this project's
// moduleResolution ("node") does not read; at run time Node resolves the subpath itself.
declare module 'graphql-ws/use/ws' {
  export { useServer, type Extra } from 'graphql-ws/dist/use/ws';
}
