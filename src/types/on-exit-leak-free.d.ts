/** The exit hook pino registers its own destinations with; the package ships no types. */
declare module 'on-exit-leak-free' {
  type ExitEvent = 'exit' | 'beforeExit';
  const onExit: {
    register<T extends object>(object: T, callback: (object: T, event: ExitEvent) => void): void;
    registerBeforeExit<T extends object>(object: T, callback: (object: T, event: ExitEvent) => void): void;
    unregister(object: object): void;
  };
  export default onExit;
}
