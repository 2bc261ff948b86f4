export * from './workspaces.js';
export * from './traits.js';
export * from './profiles.js';
export * from './events.js';
export * from './segments.js';
export * from './rulesets.js';
export * from './splits.js';
export * from './exports.js';
