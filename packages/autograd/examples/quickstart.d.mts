/** Types for the README example, so that its test type-checks. */
export declare const fitted: { w: number; b: number; check: number };
