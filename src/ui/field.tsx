import type { JSX } from "preact";

/** One input of a form: its label and its input's attributes; `name` is also its key in the form's values. */
export type FieldSpec<Name extends string> = { readonly label: string; readonly name: Name } & Omit<
  JSX.InputHTMLAttributes<HTMLInputElement>,
  "name" | "value" | "onInput"
>;

interface FieldsProps<Name extends string> {
  readonly specs: readonly FieldSpec<Name>[];
  readonly values: Readonly<Record<Name, string>>;
  /** The form's state setter (useState's). */
  readonly setValues: (update: (previous: Record<Name, string>) => Record<Name, string>) => void;
}

/** A form's inputs, each under its label (the label wraps it, so a click on the text focuses the input). */
export function Fields<Name extends string>({ specs, values, setValues }: FieldsProps<Name>) {
  return specs.map(({ label, ...input }) => (
    <label key={input.name}>
      {label}
      <input
        {...input}
        value={values[input.name]}
        onInput={(event) => {
          const { value } = event.currentTarget;
          setValues((previous) => ({ ...previous, [input.name]: value }));
        }}
      />
    </label>
  ));
}
