import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

// A deep ink blue: the colour of ledgers and stamp pads, calm on screens people look at all day.
const ink: MantineColorsTuple = ['#eef3fb', '#dbe4f3', '#b3c6e6', '#88a6d9', '#6589ce', '#4f77c8', '#436ec6', '#355daf', '#2c529d', '#1c3d6e'];

export const theme = createTheme({
  primaryColor: 'ink',
  primaryShade: 8,
  colors: { ink },
  fontFamily: 'Inter, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, monospace',
  defaultRadius: 'sm',
  headings: { fontWeight: '600' },
  components: {
    Table: { defaultProps: { verticalSpacing: 6, horizontalSpacing: 'sm', fz: 'sm' } },
    Button: { defaultProps: { size: 'sm' } },
  },
});

/** Mantine's dimmed grey (gray.6) is below WCAG AA contrast on white and light grey: one shade darker. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});
