/** `npm run schema:emit`: writes schema/schema.graphql from the resolvers. */
import { emitSchemaFile, SCHEMA_SDL_PATH } from './schema.js';

emitSchemaFile();
console.log(`wrote ${SCHEMA_SDL_PATH}`);
