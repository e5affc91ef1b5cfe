export const YINGJI_CONFIG = Symbol('YINGJI_CONFIG');
