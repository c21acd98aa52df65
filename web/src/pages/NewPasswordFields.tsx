import { Alert, PasswordInput } from '@mantine/core';

/**
 * The password and its repetition, and the form's error, as the invitation and reset pages ask for
 * them (one place for the hint and the browser's new-password autocomplete).
 */
export function NewPasswordFields(props: {
  label: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  error: string | null;
}) {
  return (
    <>
      <PasswordInput label={props.label} description="At least 12 characters; a few unusual words work well." value={props.password} onChange={(e) => props.onPassword(e.currentTarget.value)} required autoComplete="new-password" mb="sm" />
      <PasswordInput label={`${props.label} again`} value={props.repeat} onChange={(e) => props.onRepeat(e.currentTarget.value)} required autoComplete="new-password" mb="sm" />
      {props.error ? (
        <Alert color="red" role="alert" mb="sm">
          {props.error}
        </Alert>
      ) : null}
    </>
  );
}
