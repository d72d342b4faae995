export class Catalog { clone(): Catalog { return new Catalog(); } }
