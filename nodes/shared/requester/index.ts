export * from './attributes';
export * from './mapping';
export * from './model';
export * from './transforms';
export * from './validation';
