// placeholder, replaced below
export interface BoundScript { readonly statements: readonly unknown[] }
