export interface FunctionSignature { readonly name: string }
