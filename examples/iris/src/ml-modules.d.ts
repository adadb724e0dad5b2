// ml-cart and ml-logistic-regression ship no type declarations; these cover what the example uses.

declare module 'ml-cart' {
  /** The serialised form of a trained tree (`toJSON()`), reloaded with `load`. */
  export interface DecisionTreeClassifierModel {
    readonly name: 'DTClassifier';
    readonly options: Record<string, unknown>;
    readonly root: unknown;
  }

  export class DecisionTreeClassifier {
    constructor(options?: {
      gainFunction?: 'gini';
      splitFunction?: 'mean';
      minNumSamples?: number;
      maxDepth?: number;
      gainThreshold?: number;
    });
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(toPredict: number[][]): number[];
    toJSON(): DecisionTreeClassifierModel;
    static load(model: DecisionTreeClassifierModel): DecisionTreeClassifier;
  }
}

declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  /** The serialised form of a trained model (`toJSON()`), reloaded with `load`. */
  export interface LogisticRegressionModel {
    readonly name: 'LogisticRegression';
    readonly numSteps: number;
    readonly learningRate: number;
    readonly numberClasses: number;
    readonly classifiers: unknown[];
  }

  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    train(features: Matrix, target: Matrix): void;
    predict(features: Matrix): number[];
    toJSON(): LogisticRegressionModel;
    static load(model: LogisticRegressionModel): LogisticRegression;
  }
}
