// Types for work.js, which stays JavaScript so workerd and serverless-offline load it as it is.
export declare function priceOrder(text: string): string;
