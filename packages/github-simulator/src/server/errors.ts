export const DOCUMENTATION_URL = 'https://docs.github.com/rest';
export const RATE_LIMIT_DOCUMENTATION_URL =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

export interface ValidationErrorDetail {
  resource: string;
  field: string;
  code: 'invalid' | 'missing' | 'missing_field';
  value?: string | null;
}

/** An error response with GitHub's body for that status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? status));
  }
}

export function notFound(): HttpError {
  return new HttpError(404, {
    message: 'Not Found',
    documentation_url: DOCUMENTATION_URL,
    status: '404',
  });
}

export function validationFailed(
  errors: ValidationErrorDetail[],
  documentationUrl: string = DOCUMENTATION_URL,
): HttpError {
  return new HttpError(422, {
    message: 'Validation Failed',
    errors,
    documentation_url: documentationUrl,
    status: '422',
  });
}

export function badCredentials(): HttpError {
  return new HttpError(401, {
    message: 'Bad credentials',
    documentation_url: DOCUMENTATION_URL,
    status: '401',
  });
}

export function primaryRateLimitExceeded(subject: string): HttpError {
  const advice = subject.startsWith('user ID')
    ? ''
    : " (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)";
  return new HttpError(403, {
    message: `API rate limit exceeded for ${subject}.${advice}`,
    documentation_url: `${RATE_LIMIT_DOCUMENTATION_URL}#about-the-primary-rate-limit`,
    status: '403',
  });
}

export function secondaryRateLimitExceeded(
  status: 403 | 429,
  retryAfterSeconds: number,
  requestId: string,
): HttpError {
  return new HttpError(
    status,
    {
      message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
      documentation_url: `${RATE_LIMIT_DOCUMENTATION_URL}#about-secondary-rate-limits`,
      status: String(status),
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export function serverError(status: 500 | 502 | 503): HttpError {
  if (status === 503) {
    return new HttpError(503, {
      code: 'service_unavailable',
      message: 'Service Unavailable',
      documentation_url: DOCUMENTATION_URL,
      status: '503',
    });
  }
  return new HttpError(status, {
    message: 'Server Error',
    documentation_url: DOCUMENTATION_URL,
    status: String(status),
  });
}
